# field errors: error-<code>, with { $param }
error-required = required
error-too-long = at most { $param } characters
error-too-short = at least { $param } characters
error-invalid-username = 3–40 letters, digits or . _ -
error-invalid-email = not a valid e-mail address
error-invalid-choice = must be one of: { $param }
error-invalid-time-zone = not a valid time zone (e.g. Asia/Shanghai)
error-invalid-code = only lowercase letters, digits and underscores
error-unknown-permission = unknown permission: { $param }
error-unknown-role = unknown role: { $param }
error-unknown-division = unknown division: { $param }
error-role-exceeds-your-rights = you cannot grant a role with more rights than yours: { $param }
error-cannot-freeze-yourself = you cannot freeze your own account
error-wrong-password = the current password is wrong
error-not-a-number = must be a number
error-out-of-range = out of range { $param }
error-invalid = invalid
error-not-sortable = cannot sort by this field (available: { $param })
error-unknown-filter = no such filter
error-invalid-filter = invalid filter value
error-invalid-json = malformed JSON: { $param }
error-invalid-type = wrong type: { $param }
error-unknown-field = unknown field
error-invalid-id = not a valid id
error-taken = already taken
error-not-found = does not exist
error-not-editable = this entry cannot be changed
error-invalid-date = dates are written YYYY-MM-DD
error-csrf = the form has expired; reload the page and try again

# problem titles
problem-invalid-input = Invalid input
problem-bad-request = Malformed request
problem-unauthenticated = Sign-in required
problem-account-frozen = Account frozen
problem-forbidden = Not allowed
problem-not-found = Not found
problem-stale-version = The record was changed by someone else; reload and try again
problem-conflict = Conflicts with existing data
problem-invalid-state = Not allowed in the record's current state
problem-rate-limited = Too many attempts; try again later
problem-internal = Internal server error
problem-wrong-credentials = Wrong user name or password
nav-home = Home

# base data (dictionary, numbering, products, inventory)
error-negative = must not be negative
error-invalid-currency = a three-letter currency code such as CNY
error-invalid-date-format = a year (%Y or %y), optionally followed by month (%m) and day (%d), e.g. %Y%m%d
error-invalid-prefix = only letters, digits, - and _
error-invalid-parent = must be a top-level entry of the same kind
