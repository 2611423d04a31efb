"""The store: typed models, migrations, and the session every stage hands work through."""
