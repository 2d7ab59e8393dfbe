//! Kernel drop-path measurement (in progress).
