//! sanso-benches owns the measurements that need the kernel: the drop-path
//! cost per packet through a gateway namespace ([`kernel`]). The criterion
//! benches live in `benches/`.

pub mod kernel;
