"""Views: what the document looks like. They draw; they never compute mattes."""
