"""A Python middleware's view of the deployed material: the PEM files named by the generated middleware
configuration (roc.properties), the standard ssl module and http.client.
    python3 roc_client.py <roc.properties> <host> <port>"""
import http.client
import ssl
import sys


def properties(path):
    out = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith(("#", "!")) and "=" in line:
                key, value = line.split("=", 1)
                out[key.strip()] = value.strip()
    return out


def main(config_path, host, port):
    config = properties(config_path)
    service = "Client_ROC_Annuaire_AMC"
    context = ssl.create_default_context(cafile=config["roc.truststore.pem"])
    context.load_cert_chain(config["roc.%s.fullchain" % service], config["roc.%s.privatekey" % service])
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=15)
    connection.request("GET", "/")
    body = connection.getresponse().read().decode("utf-8", "replace")
    print("client certificate seen" if "Client certificate" in body else "no client certificate")


if __name__ == "__main__":
    main(*sys.argv[1:4])
