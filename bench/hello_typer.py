"""The start-up baseline: a minimal Typer hello-world."""
import typer

app = typer.Typer()
@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")
if __name__ == "__main__":
    app()
