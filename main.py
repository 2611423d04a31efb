"""Entry point: ``python main.py --help`` lists the commands."""

from cli.app import main

if __name__ == "__main__":
    main()
