"""Sign in, sign up, sign out and the account page (the same flask-login session as the JSON API)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from oneapi.auth import SessionUser
from oneapi.models.constants import ROLE_ROOT
from oneapi.services.options import options
from oneapi.web import bp, csrf
from oneapi.web.access import is_local_path, user_page
from oneapi.web.i18n import translate as _
from oneapi.web.service_calls import call, place_error, users_service

FIELD_HINTS = {"username": ("username", "用户名"), "password": ("password", "密码")}

DEFAULT_ROOT_PASSWORD = "123456"


def _next_target() -> str:
    target = request.args.get("next", "")
    if is_local_path(target):
        return target
    return url_for("web.dashboard")


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return redirect(url_for("web.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    values, errors, form_error = {"username": ""}, {}, None
    if request.method == "POST":
        values["username"] = username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username:
            errors["username"] = _("Enter your username.")
        if not password:
            errors["password"] = _("Enter your password.")
        if not errors:
            user, form_error = call(users_service().login, username, password)
            if user is not None:
                login_user(SessionUser(user))
                session.permanent = True
                csrf.rotate()
                # Remembered in the session so pages need not run bcrypt again to show the hint.
                session["default_password"] = user.role >= ROLE_ROOT and password == DEFAULT_ROOT_PASSWORD
                return redirect(_next_target())
    status = 200 if not (errors or form_error) else 400
    return render_template("auth/login.html", values=values, errors=errors, form_error=form_error,
                           next=request.args.get("next", ""),
                           register_enabled=options.get_bool("RegisterEnabled")), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    if not (options.get_bool("RegisterEnabled") and options.get_bool("PasswordRegisterEnabled")):
        flash(_("New registrations are closed."), "warning")
        return redirect(url_for("web.login"))
    values = {"username": request.form.get("username", "").strip(),
              "aff_code": request.form.get("aff_code", request.args.get("aff", "")).strip()}
    errors, form_error = {}, None
    if request.method == "POST":
        password = request.form.get("password", "")
        if not values["username"]:
            errors["username"] = _("Choose a username.")
        elif len(values["username"]) > 30:
            errors["username"] = _("At most 30 characters.")
        if not 8 <= len(password) <= 20:
            errors["password"] = _("The password must have 8 to 20 characters.")
        elif password != request.form.get("password2", ""):
            errors["password2"] = _("The two passwords differ.")
        if not errors:
            _user, form_error = call(users_service().register, {"username": values["username"], "password": password,
                                                                "aff_code": values["aff_code"]})
            form_error = place_error(form_error, errors, FIELD_HINTS)
            if form_error is None:
                flash(_("Account created. You can sign in now."), "success")
                return redirect(url_for("web.login"))
    status = 200 if not (errors or form_error) else 400
    return render_template("auth/register.html", values=values, errors=errors, form_error=form_error), status


@bp.post("/logout")
def logout():
    logout_user()
    session.pop("default_password", None)
    csrf.rotate()
    return redirect(url_for("web.login"))


@bp.route("/account", methods=["GET", "POST"])
@user_page
def account():
    user = g.user
    values = {"display_name": user.display_name or ""}
    errors, form_error = {}, None
    if request.method == "POST":
        values["display_name"] = request.form.get("display_name", "").strip()
        password = request.form.get("password", "")
        if password and not 8 <= len(password) <= 20:
            errors["password"] = _("The password must have 8 to 20 characters.")
        elif password and password != request.form.get("password2", ""):
            errors["password2"] = _("The two passwords differ.")
        if len(values["display_name"]) > 20:
            errors["display_name"] = _("At most 20 characters.")
        if not errors:
            _updated, form_error = call(users_service().update_self, user,
                                        {"display_name": values["display_name"], "password": password})
            if form_error is None:
                if password:
                    session["default_password"] = False
                flash(_("Saved."), "success")
                return redirect(url_for("web.account"))
    status = 200 if not (errors or form_error) else 400
    return render_template("auth/account.html", user=user, values=values, errors=errors,
                           form_error=form_error), status
