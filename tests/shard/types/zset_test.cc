// Unit tests of the zset type and its commands (issue 3): not written yet.
