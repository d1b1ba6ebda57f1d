"""The access log, read-only, for superusers: no one adds, changes or deletes an entry here."""

from django.contrib import admin

from ..access_log import AccessRecord


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "kind", "ip_address", "count", "references"]
    list_filter = [("user", admin.RelatedOnlyFieldListFilter), ("at", admin.DateFieldListFilter), "kind"]
    search_fields = ["username"]
    fields = ["at", "username", "user", "ip_address", "kind", "count", "references"]
    readonly_fields = fields
    actions = None
    show_full_result_count = False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
