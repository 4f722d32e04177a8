"""Import a platform's order export (CSV) into a session, with a progress bar; bad rows by line."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.errors import ApplicationError
from livestreams.live.orders import orders_import_csv
from livestreams.models import LiveSession


class Command(BaseCommand):
    help = (
        "Import orders from a CSV export: order_id/订单号, sku/商品编码, quantity, amount, buyer, ts, status."
    )

    def add_arguments(self, parser):
        parser.add_argument("session", help="session id")
        parser.add_argument("csv_path")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, session, csv_path, no_progress, **options):
        try:
            target = LiveSession.objects.get(pk=session)
        except (LiveSession.DoesNotExist, ValueError, Exception) as exc:
            if isinstance(exc, CommandError):
                raise
            raise CommandError(f"Unknown session {session!r}.") from None
        try:
            with open(csv_path, encoding="utf-8-sig", newline="") as fh:
                total = max(sum(1 for _ in fh) - 1, 0)
            with (
                open(csv_path, encoding="utf-8-sig", newline="") as fh,
                tqdm(total=total, unit="row", disable=no_progress, file=self.stderr._out) as bar,
            ):
                report = orders_import_csv(session=target, stream=fh, by=None, progress=bar.update)
        except OSError as exc:
            raise CommandError(f"Cannot read {csv_path}: {exc}") from None
        except UnicodeDecodeError:
            raise CommandError("The file is not UTF-8 encoded CSV.") from None
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.fields}") from None
        self.stdout.write(
            f"created {report.created}, duplicates {report.duplicates}, refunded {report.refunded}, "
            f"bad rows {len(report.errors)}"
        )
        for error in report.errors:
            fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in error["fields"].items()) or error["message"]
            self.stdout.write(f"  line {error['line']}: {fields}")
