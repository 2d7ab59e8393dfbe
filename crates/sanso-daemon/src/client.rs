//! The CLI's side of the control socket: send one [`Request`], read one
//! [`Response`]. Blocking, no runtime needed.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::protocol::{Request, Response};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to the sanso daemon at {} (is it running? are you root?)", path.display())]
    Connect {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("control socket I/O failed")]
    Io(#[from] std::io::Error),
    #[error("the daemon sent an unreadable answer")]
    Decode(#[from] serde_json::Error),
    #[error("the daemon closed the connection without an answer")]
    NoAnswer,
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
