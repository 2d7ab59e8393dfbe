//! The CLI's side of the control socket: send one [`Request`], read one
//! [`Response`]. Blocking, no runtime needed.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::protocol::{Request, Response};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    Connect {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    Io(#[from] std::io::Error),
    Decode(#[from] serde_json::Error),
    NoAnswer,
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use sanso_i18n::t;
        f.write_str(&match self {
            ClientError::Connect { path, .. } => {
                t!("daemon-client-connect", path = path.display().to_string())
            }
            ClientError::Io(_) => t!("daemon-client-io"),
            ClientError::Decode(_) => t!("daemon-client-decode"),
            ClientError::NoAnswer => t!("daemon-client-no-answer"),
        })
    }
}

/// Sends `request` and waits up to `timeout` for the answer.
pub fn request(
    socket: &Path,
    request: &Request,
    timeout: Duration,
) -> Result<Response, ClientError> {
    let stream = UnixStream::connect(socket).map_err(|source| ClientError::Connect {
        path: socket.to_owned(),
        source,
    })?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut line = serde_json::to_string(request)?;
    line.push('\n');
    (&stream).write_all(line.as_bytes())?;
    let mut reader = BufReader::new(&stream);
    let mut answer = String::new();
    if reader.read_line(&mut answer)? == 0 {
        return Err(ClientError::NoAnswer);
    }
    Ok(serde_json::from_str(&answer)?)
}
