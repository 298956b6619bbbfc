"""The rules' answers written for people: text, CSV and HTML reports that the command line and the web serve."""
