"""Pages made from graded notebooks: what may reach a browser, and writing them."""
