// Unit tests of the set type and its commands (issue 3): not written yet.
