"""The event-sourcing core every Livet Går Videre service uses."""
