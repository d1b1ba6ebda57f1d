"""gunicorn's own logs (its error log and, if turned on, its access log) through the site's filters.

deploy/gunicorn.conf.py sets `logger_class` to this class: a booking link's token, an exception's
text, email addresses and phone numbers never reach a gunicorn log line either.
"""

from gunicorn.glogging import Logger

from clinic.logging import install_filters


class FilteredLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            install_filters(log)
