"""Who may see or download which certificate: the holder, and people who manage certificates in
the admin. Everyone else is answered 404."""


def manages_certificates(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("certificates.view_certificate"))
    )


def may_download(user, certificate) -> bool:
    """The holder may download their certificate unless it has been revoked; certificate
    administrators may download any."""
    if not (user and user.is_authenticated):
        return False
    if manages_certificates(user):
        return True
    return certificate.user_id == user.pk and not certificate.is_revoked
