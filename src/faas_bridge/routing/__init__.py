"""What reaches a function besides HTTP: trigger events, routes and commands."""
