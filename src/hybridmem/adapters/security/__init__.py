"""Password hashing (bcrypt) and access tokens (PyJWT)."""
