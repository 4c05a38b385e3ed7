{
  "targets": [
    {
      "target_name": "peercred",
      "sources": ["peercred.c", "flock.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
