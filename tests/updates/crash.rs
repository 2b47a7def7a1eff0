//! SIGKILL at many instants.
