from interview_assist.cli import main

main()
