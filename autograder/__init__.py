"""autograder: checks a student's functions against nnlib and grades a class."""
