from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsOrganizer(BasePermission):
    message = "Only organizers can do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_organizer)


class IsOrganizerOrReadOnly(BasePermission):
    message = "Only organizers can change this."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.is_organizer


class PublicReadOrganizerWrite(BasePermission):
    """Anyone may read (the queryset decides what is public); only organizers may write."""

    message = "Only organizers can change this."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_organizer)
