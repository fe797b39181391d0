"""Stand-in for pip's get-pip.py bootstrap script, which ansible-test downloads from a host this
machine cannot reach. Same contract: bootstrap pip in the running interpreter (from the standard
library's ensurepip), then `pip install` the packages given (pip==<version>) from the configured
package index. get-pip.py's own flags (--no-setuptools, --no-wheel) mean "do not add those", which is
what plain `pip install` does anyway. Installed into ~/.ansible/test/cache/ by tests/sanity.sh.

ensurepip runs in its own process: in-process it sets PIP_CONFIG_FILE=/dev/null, which would hide
the machine's pip configuration (index, certificates) from the install that follows."""

import subprocess
import sys

OWN_FLAGS = {"--no-setuptools", "--no-wheel"}

status = subprocess.call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
if status:
    sys.exit(status)
args = [a for a in sys.argv[1:] if a not in OWN_FLAGS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args))
