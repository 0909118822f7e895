"""The instructor's workspace for one resource link: attempts and passback status, essay grading, regrades, item
statistics, the NRPS roster and CSV downloads."""
