"""WSGI entry point (gunicorn pointsadmin.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from pointsadmin.startup import exit_on_configuration_error, warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pointsadmin.settings")
exit_on_configuration_error()

application = get_wsgi_application()
warm_up()
