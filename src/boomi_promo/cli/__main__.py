from boomi_promo.cli.main import app

app()
