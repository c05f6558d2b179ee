from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from .validators import validate_person_name


class AccountManager(UserManager):
    """Creates users keyed by email address (there is no username)."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: a practitioner, supervisor, manager, trainer or administrator.

    Email is the login. ``display_name`` is how the person is named on screens, certificates and
    reports.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        "display name",
        max_length=150,
        validators=[validate_person_name],
        help_text="Your name as it should appear on certificates and to colleagues.",
    )
    erased_at = models.DateTimeField(
        "erased",
        null=True,
        blank=True,
        editable=False,
        help_text="When this person's personal data was erased (see lms.privacy). The account "
        "stays, anonymised, so that coverage figures and certificate numbers are unchanged.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = AccountManager()

    class Meta:
        ordering = ["display_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.display_name or self.email

    def get_full_name(self):
        return self.display_name or self.email

    def get_short_name(self):
        return (self.display_name or self.email).split(" ")[0]

    def save(self, *args, **kwargs):
        if self.email:
            self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class OrganisationSignOn(models.Model):
    """An organisation's own identity provider: single sign-on through OpenID Connect or SAML.

    The provider itself (its address, client id and secret, or its SAML metadata) is an allauth
    social application; this says which organisation it signs people in for and for which email
    domains it may vouch. A first sign-in from one of those domains makes the account and places
    the person in the organisation with no team or role yet (see ``sso``).
    """

    app = models.OneToOneField(
        "socialaccount.SocialApp",
        on_delete=models.CASCADE,
        related_name="organisation_sign_on",
        verbose_name="identity provider",
    )
    organisation = models.ForeignKey(
        "workforce.OrganisationUnit",
        on_delete=models.CASCADE,
        related_name="sign_ons",
        limit_choices_to={"kind": "organisation"},
    )
    email_domains = models.CharField(
        max_length=500,
        help_text="The email domains this provider signs people in for, separated by commas, "
        "e.g. 'riverside.nhs.uk, riverside-community.org.uk'. An address at any other domain "
        "is refused.",
    )
    required = models.BooleanField(
        "require single sign-on",
        default=False,
        help_text="People with an email address at these domains must sign in with this "
        "provider: their passwords are not accepted.",
    )

    class Meta:
        verbose_name = "organisation single sign-on"
        verbose_name_plural = "organisation single sign-on"

    def __str__(self):
        return f"{self.organisation} – {self.app.name}"

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if not self.domains:
            raise ValidationError({"email_domains": "Enter at least one email domain."})
        if self.organisation_id and self.organisation.kind != "organisation":
            raise ValidationError({"organisation": "Choose an organisation, not a region or team."})
