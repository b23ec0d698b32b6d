from yardstick.cli.main import app

app()
