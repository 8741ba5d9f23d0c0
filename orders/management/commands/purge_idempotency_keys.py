from django.core.management.base import BaseCommand

from orders.idempotency import purge_expired_keys


class Command(BaseCommand):
    help = "Delete checkout idempotency keys that have expired."

    def handle(self, *args, **options):
        deleted = purge_expired_keys()
        self.stdout.write(f"Deleted {deleted} expired idempotency keys.")
