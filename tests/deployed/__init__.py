"""Helpers for the tests that rebuild what users get (the Gradescope image, the student bundle) from scratch."""
