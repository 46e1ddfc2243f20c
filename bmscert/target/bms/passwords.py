"""The one-click password reset and the stored initial Windows password.

No password is ever stored: the reset is answered as documented and changes nothing the
API can show (the page says the service checks nothing and reports no failure), and
deleting the Windows password only forgets the stored ciphertext.
"""

from __future__ import annotations

from bmscert.target.bms.lookup import server_of
from bmscert.target.http import Call, Reply
from bmscert.target.registry import handles


@handles("ResetPwdOneClick")
def reset_password(call: Call) -> Reply:
    server = server_of(call)
    server.updated = call.now
    return Reply(int(call.settings.behaviours["reset_password_status"]), None)


@handles("DeleteWindowsBareMetalServerPassword")
def delete_windows_password(call: Call) -> Reply:
    """Afterwards ShowWindowsBaremetalServerPwd answers an empty password."""
    server_of(call).windows_password = None
    return Reply(202, None)
