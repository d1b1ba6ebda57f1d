# gunicorn's settings for the clinic site: gunicorn -c deploy/gunicorn.conf.py clinic.wsgi
# (tests/clinic/test_log_privacy.py runs this very file). Bind address and workers may be given on
# the command line or in GUNICORN_CMD_ARGS; the logger class is what matters here.

# Every gunicorn log line goes through the site's filters: booking links' tokens masked, exception
# messages withheld, email addresses and phone numbers removed (clinic/logging.py).
logger_class = "clinic.gunicorn_logger.FilteredLogger"

# The access log is off: nginx keeps one (path only, token masked). To turn gunicorn's on, set
# accesslog = "-"; the format below leaves out the query string (%(q)s, and %(r)s which holds it) and
# the referrer, and the logger masks the token in the path (%(U)s).
accesslog = None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s "%(a)s"'

timeout = 30
