// Unit tests of the hash type and its commands (issue 3): not written yet.
