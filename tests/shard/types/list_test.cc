// Unit tests of the list type and its commands (issue 3): not written yet.
