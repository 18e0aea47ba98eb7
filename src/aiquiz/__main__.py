"""`python -m aiquiz` runs the CLI."""

from aiquiz.cli import main

if __name__ == "__main__":
    main()
