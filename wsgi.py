from sem import create_app

app = create_app()
