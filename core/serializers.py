from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.phones import InvalidPhone, cn_mobile_mask, cn_mobile_normalize


class StrictSerializer(serializers.Serializer):
    """Rejects fields it does not know, so typos and mass assignment are answered, not ignored."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            allowed = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - allowed)
            if unknown:
                raise serializers.ValidationError({name: [gettext("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    pass


class EmptyInput(StrictSerializer):
    """The body of an action that takes no input (POST …/schedule/): any field is an error."""


class EmailOrMobileSerializer(StrictSerializer):
    """An invitation's address: an email, or a mainland mobile where only a phone is known (the link then
    goes by SMS), or both. One of them is required."""

    email = serializers.EmailField(required=False, allow_blank=True, max_length=254, default="")
    phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        default="",
        help_text="Mainland China mobile (11 digits; +86, spaces and dashes are accepted).",
    )

    def validate_phone(self, value: str) -> str:
        if not (value or "").strip():
            return ""
        try:
            return cn_mobile_normalize(value)
        except InvalidPhone as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("email") and not attrs.get("phone"):
            message = gettext("请填写邮箱或手机号。")
            raise serializers.ValidationError({"email": [message], "phone": [message]})
        return attrs


@extend_schema_field({"type": "string"})
class MaskedMobileField(serializers.ReadOnlyField):
    """A stored mainland mobile shown masked (138****5678); empty when there is none."""

    def to_representation(self, value) -> str:
        return cn_mobile_mask(value)
