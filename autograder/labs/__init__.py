"""The labs: one package per lab, each defining ``LAB`` (see ``autograder.lab``)."""
