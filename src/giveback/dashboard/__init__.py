"""The program dashboard: the growth of the program, charted from delivered trips and match rounds."""
