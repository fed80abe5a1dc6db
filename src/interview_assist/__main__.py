"""``python -m interview_assist``: the command line."""

from interview_assist.cli import main

main()
