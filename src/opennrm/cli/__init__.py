"""The operators' command line (`opennrm …`)."""
