"""Products and orders. Orders are written to PostgreSQL at once; Redis only mirrors them."""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import redis
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.activity import activity_log
from core.errors import ApplicationError, NotFound
from core.models import User
from livestreams.live import counters
from livestreams.live.ingest import MAX_CLOCK_SKEW, _parse_ts
from livestreams.models import LiveSession, Order, Product, Segment

MAX_AMOUNT = Decimal("9999999999.99")
STATUSES = ("paid", "refunded")


def product_create(
    *, by: User, union, name: str, sku: str, price: Decimal, seller: User | None = None
) -> Product:
    if price < 0:
        raise ApplicationError("Price cannot be negative.", fields={"price": ["Must be ≥ 0."]})
    try:
        with transaction.atomic():
            product = Product.objects.create(union=union, name=name, sku=sku, price=price, seller=seller)
    except IntegrityError:
        raise ApplicationError("This SKU already exists.", fields={"sku": ["SKU already used."]}) from None
    activity_log(actor=by, verb="product.created", obj=product)
    return product


@dataclass
class OrderInput:
    order_id: str
    quantity: int
    amount: Decimal
    buyer: str
    ordered_at: datetime
    status: str
    product: Product | None = None


def _hash(data: OrderInput) -> str:
    body = {
        "product": str(data.product.pk) if data.product else None,
        "quantity": data.quantity,
        "amount": str(data.amount),
        "buyer": data.buyer,
        "ordered_at": data.ordered_at.isoformat(),
    }
    return hashlib.blake2b(json.dumps(body, sort_keys=True).encode(), digest_size=16).hexdigest()


def order_parse(*, session: LiveSession, raw: dict, products_by_sku: dict | None = None) -> OrderInput:
    """Validate one order dict (API body or CSV row); field-level errors in one ApplicationError."""
    errors: dict[str, list[str]] = {}
    order_id = raw.get("order_id")
    if not isinstance(order_id, str) or not 0 < len(order_id.strip()) <= 100:
        errors["order_id"] = ["Required, at most 100 characters."]
    quantity = raw.get("quantity", 1)
    try:
        quantity = int(quantity)
        if not 1 <= quantity <= 100000:
            raise ValueError
    except (TypeError, ValueError):
        errors["quantity"] = ["A whole number from 1 to 100000."]
    try:
        amount = Decimal(str(raw.get("amount")).strip().replace("¥", "").replace(",", ""))
        if not amount.is_finite():
            raise InvalidOperation
        if amount < 0:
            errors["amount"] = ["Amount cannot be negative."]
        elif amount > MAX_AMOUNT or amount.as_tuple().exponent < -2:
            errors["amount"] = ["At most 2 decimals and below 10 billion CNY."]
    except (InvalidOperation, ValueError):
        amount = Decimal(0)
        errors["amount"] = ["A decimal amount in CNY, e.g. 59.90."]
    buyer = raw.get("buyer")
    if not isinstance(buyer, str) or not 0 < len(buyer.strip()) <= 128:
        errors["buyer"] = ["Buyer key required (member id or platform user id), ≤ 128 characters."]
    ordered_at = _parse_ts(raw.get("ts"))
    if ordered_at is None:
        errors["ts"] = ["An ISO 8601 time with a time zone."]
    elif ordered_at > timezone.now() + MAX_CLOCK_SKEW:
        errors["ts"] = ["Order time is in the future."]
    status = raw.get("status", "paid")
    if status not in STATUSES:
        errors["status"] = ["paid or refunded."]
    product = None
    product_ref, sku = raw.get("product"), raw.get("sku")
    if product_ref or sku:
        if sku and products_by_sku is not None:
            product = products_by_sku.get(sku)
        else:
            qs = Product.objects.filter(union_id=session.union_id)
            try:
                product = qs.filter(pk=product_ref).first() if product_ref else qs.filter(sku=sku).first()
            except Exception:  # noqa: BLE001 - a malformed uuid is simply "unknown"
                product = None
        if product is None:
            errors["product" if product_ref else "sku"] = ["Unknown product in this union."]
    for name in ("order_id", "buyer", "sku", "product", "status"):
        if isinstance(raw.get(name), str) and "\x00" in raw[name]:
            errors[name] = ["May not contain NUL characters."]
    if errors:
        raise ApplicationError("Invalid order.", fields=errors)
    return OrderInput(order_id.strip(), quantity, amount, buyer.strip(), ordered_at, status, product)


def _attribution(session: LiveSession, at: datetime, segments: list[Segment]) -> dict:
    live_at, ended_at = session.went_live_at, session.ended_at
    minute = counters.minute_of(at, live_at) if live_at else None
    on_air = live_at is not None and at >= live_at and (ended_at is None or at <= ended_at)
    starts = [s.starts_at for s in segments]
    i = bisect.bisect_right(starts, at) - 1
    segment = segments[i] if i >= 0 and segments[i].ends_at > at else None
    return {
        "segment": segment,
        "minute_offset": minute,
        "channel": Order.Channel.LIVE if on_air else Order.Channel.REPLAY,
    }


def order_record(
    *, session: LiveSession, data: OrderInput, allow_new_refund: bool = False, segments=None
) -> tuple[Order, str]:
    """Create or update one order; returns (order, outcome) with outcome created|duplicate|refunded.

    Idempotent on (session, platform order id). A refund updates the same row; a refund for an order
    never seen is a 404 on the API (the CSV import may create it directly as refunded).
    """
    digest = _hash(data)
    with transaction.atomic():
        existing = (
            Order.objects.select_for_update().filter(session=session, platform_order_id=data.order_id).first()
        )
        if existing is None:
            if data.status == "refunded" and not allow_new_refund:
                raise NotFound("Refund for an unknown order.", code="unknown_order")
            if segments is None:
                segments = list(session.segments.order_by("starts_at"))
            order = Order.objects.create(
                session=session,
                platform_order_id=data.order_id,
                product=data.product,
                quantity=data.quantity,
                amount=data.amount,
                buyer=data.buyer,
                ordered_at=data.ordered_at,
                status=data.status,
                refunded_at=data.ordered_at if data.status == "refunded" else None,
                body_hash=digest,
                **_attribution(session, data.ordered_at, segments),
            )
            fen = int(order.amount * 100)
            outcome = "created"
            _mirror(
                session,
                new=True,
                amount_fen=fen,
                refunded_fen=fen if order.status == "refunded" else 0,
                buyer=order.buyer,
                # Only live orders have a minute on the live chart; replay/later ones count in the totals.
                minute=order.minute_offset if order.channel == Order.Channel.LIVE else None,
            )
            return order, outcome
        if existing.body_hash != digest and data.status == "paid":
            raise ApplicationError(
                "This order id was already recorded with different details.",
                code="order_conflict",
                status_code=422,
                fields={"order_id": ["Already recorded with another product, amount, buyer or time."]},
            )
        if data.status == "refunded" and existing.status == "paid":
            existing.status = Order.Status.REFUNDED
            existing.refunded_at = (
                data.ordered_at if data.ordered_at > existing.ordered_at else timezone.now()
            )
            existing.save(update_fields=["status", "refunded_at", "updated_at"])
            _mirror(
                session,
                new=False,
                amount_fen=0,
                refunded_fen=int(existing.amount * 100),
                buyer=existing.buyer,
                minute=None,
            )
            return existing, "refunded"
        return existing, "duplicate"


def _mirror(session, **kwargs) -> None:
    """Update Redis after the row is safely in PostgreSQL (on commit); mark dirty if Redis is down."""

    def apply():
        try:
            if counters.apply_order(session.pk, **kwargs) == "rebuild":
                counters.rebuild(session.pk)
        except redis.RedisError:
            counters.mark_dirty(session.pk)

    transaction.on_commit(apply)


# --- CSV import of a platform's order export ------------------------------------------------------

HEADER_ALIASES = {
    "order_id": {"order_id", "订单号", "订单编号", "订单id"},
    "sku": {"sku", "商品编码", "商品sku", "货号"},
    "quantity": {"quantity", "数量", "商品数量", "购买数量"},
    "amount": {"amount", "金额", "实付金额", "订单金额", "实付款"},
    "buyer": {"buyer", "买家", "买家id", "用户id", "买家昵称"},
    "ts": {"ts", "time", "下单时间", "支付时间", "paid_at", "ordered_at"},
    "status": {"status", "状态", "订单状态"},
}
STATUS_ALIASES = {
    "已支付": "paid",
    "已付款": "paid",
    "已完成": "paid",
    "已退款": "refunded",
    "退款成功": "refunded",
}


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    refunded: int = 0
    errors: list[dict] = field(default_factory=list)  # {"line": n, "fields": {...}}

    @property
    def ok(self) -> int:
        return self.created + self.duplicates + self.refunded


def _normalize_header(names: Iterable[str]) -> dict[str, str]:
    mapping = {}
    for name in names:
        key = (name or "").strip().lower().lstrip("\ufeff")
        for canonical, aliases in HEADER_ALIASES.items():
            if key in aliases:
                mapping[name] = canonical
    return mapping


def orders_import_csv(
    *,
    session: LiveSession,
    stream: io.TextIOBase,
    by: User | None,
    default_tz=None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every good row; report bad rows by line number. Each row commits on its own."""
    reader = csv.DictReader(stream)
    mapping = _normalize_header(reader.fieldnames or [])
    report = ImportReport()
    missing = {"order_id", "amount", "buyer", "ts"} - set(mapping.values())
    if missing:
        raise ApplicationError(
            "The CSV header lacks required columns.",
            fields={"file": [f"Missing column(s): {', '.join(sorted(missing))}."]},
        )
    products_by_sku = {p.sku: p for p in Product.objects.filter(union_id=session.union_id)}
    segments = list(session.segments.order_by("starts_at"))
    tz = default_tz or timezone.get_default_timezone()
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a field over the csv module's size limit: the rest is unreadable
            report.errors.append(
                {"line": reader.line_num, "message": f"Unreadable CSV from here on: {exc}.", "fields": {}}
            )
            break
        line = reader.line_num
        raw = {mapping[k]: (v or "").strip() for k, v in row.items() if k in mapping}
        raw["status"] = STATUS_ALIASES.get(raw.get("status", ""), raw.get("status") or "paid")
        if raw.get("ts") and _parse_ts(raw["ts"]) is None:
            try:  # platform exports often carry local time without an offset
                naive = datetime.fromisoformat(raw["ts"].replace("/", "-"))
                if naive.tzinfo is None:
                    raw["ts"] = naive.replace(tzinfo=tz).isoformat()
            except ValueError:
                pass
        if not raw.get("sku"):
            raw.pop("sku", None)
        try:
            data = order_parse(session=session, raw=raw, products_by_sku=products_by_sku)
            _, outcome = order_record(session=session, data=data, allow_new_refund=True, segments=segments)
        except ApplicationError as exc:
            report.errors.append({"line": line, "message": exc.message, "fields": exc.fields})
        else:
            report.created += outcome == "created"
            report.duplicates += outcome == "duplicate"
            report.refunded += outcome == "refunded"
        if progress:
            progress(1)
    activity_log(
        actor=by, verb="orders.imported", obj=session, created=report.created, errors=len(report.errors)
    )
    return report
