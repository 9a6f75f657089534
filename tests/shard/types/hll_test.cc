// Unit tests of the hll type and its commands (issue 3): not written yet.
