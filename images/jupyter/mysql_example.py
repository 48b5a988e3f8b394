"""Query the workspace database from a notebook.

    %run /usr/local/share/dsenv/mysql_example.py

Everything comes from the environment the stack hands the container; nothing
secret is written here or in the image.
"""
import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
with engine.connect() as conn:
    version = conn.execute(text("SELECT VERSION()")).scalar_one()
    print(f"connected to {os.environ['MYSQL_DATABASE']} on {os.environ['MYSQL_HOST']} as {os.environ['MYSQL_USER']}: server {version}")
