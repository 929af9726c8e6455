"""nameko glue: the dependency provider and entrypoint every service uses."""
