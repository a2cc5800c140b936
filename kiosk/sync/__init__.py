"""Desk sync: long-poll the webhook relay and apply each event through the payments core.

loop = SyncLoop(ctx, RelayClient(url, token))
loop.run(stop_event)          # on a worker thread in the GUI; `sync` in the CLI
"""
