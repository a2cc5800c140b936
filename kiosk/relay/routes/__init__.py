"""HTTP routes: the Stripe webhook, the desks' event feed, and health."""
