//! « Installer » without the desktop: the program's own binary built to report
//! the next version replaces the program after its self-check, the previous
//! one kept; a binary that fails its self-check leaves the old one in place;
//! « update rollback » puts the previous one back, and is refused once the
//! store was updated beyond it.
