"""Page routes, one module per area: sign-in and language (`auth`), signals (`signals`),
sharing (`sharing`), emergency access (`emergency`) and the visitor's account (`account`)."""
