# -*- coding: utf-8 -*-
# Copyright: esante.roc contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The official IGC-Santé CA certificates that ORG certificates chain to, travelling with the collection.

Public certificates published by ANS (http://igc-sante.esante.gouv.fr/AC/ and /AC%20TEST/), copied here as PEM
so that no run depends on a download or on another role: the root (ACR) and the intermediate that issues ORG
certificates (ACI) of the production and test ranges. Their SHA-256 fingerprints are the official pins; a unit
test checks that each PEM has its pin and that they are the certificates ANS ships. With ANS's file names and
download addresses, this is the one place of the official IGC-Santé data: the roles take it through the filters
igc_anchors and igc_official. Data only (no cryptography import): the controller's filters and the modules read it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# environment -> role (acr | aci) -> {name: store name, file: ANS file name, sha256: official pin, pem}
ANCHORS = {
    "production": {
        "acr": {
            "name": "ACR-EL",
            "file": "ACR-EL.cer",
            "subject": "CN=AC RACINE IGC-SANTE ELEMENTAIRE,OU=IGC-SANTE,OU=0002 187512751,O=ASIP-SANTE,C=FR",
            "sha256": "2D:9E:22:CA:19:F7:77:C6:B7:45:25:7C:72:3E:CB:8D:F3:C3:5F:A6:F1:F6:EC:36:B8:36:00:C9:73:46:96:7F",
            "pem": (
                "-----BEGIN CERTIFICATE-----\n"
                "MIIGKDCCBBCgAwIBAgISESDOGfk0b5RW/ycAI9hSkDe1MA0GCSqGSIb3DQEBCwUA\n"
                "MHkxCzAJBgNVBAYTAkZSMRMwEQYDVQQKDApBU0lQLVNBTlRFMRcwFQYDVQQLDA4w\n"
                "MDAyIDE4NzUxMjc1MTESMBAGA1UECwwJSUdDLVNBTlRFMSgwJgYDVQQDDB9BQyBS\n"
                "QUNJTkUgSUdDLVNBTlRFIEVMRU1FTlRBSVJFMB4XDTEzMDYyNTAwMDAwMFoXDTMz\n"
                "MDYyNTAwMDAwMFoweTELMAkGA1UEBhMCRlIxEzARBgNVBAoMCkFTSVAtU0FOVEUx\n"
                "FzAVBgNVBAsMDjAwMDIgMTg3NTEyNzUxMRIwEAYDVQQLDAlJR0MtU0FOVEUxKDAm\n"
                "BgNVBAMMH0FDIFJBQ0lORSBJR0MtU0FOVEUgRUxFTUVOVEFJUkUwggIiMA0GCSqG\n"
                "SIb3DQEBAQUAA4ICDwAwggIKAoICAQDNo99sZJlo3F6n4X67RF+xqBT3yGmA6LLd\n"
                "HIvTfDBCQ1l442eEOPHGXkyRkMHBI+q38Jily25liY7AjYElGpege2NbIyPQRTJS\n"
                "hF+ENJKccUDpJnv85OhSd+0NamF07GWd5Mi5AXyXprLxCOs+93rh18lTN8M0JoFQ\n"
                "mTNLhZTUZsobLMd0hYGShgC6BiNbHTAQpps11jYqWMpvTTRq1SFHHvrR3WMbUZDT\n"
                "Lj25f2DxIcy4x/ulfqmE/5x9uRC40+yG6ExxjkVU/7lkipGpvp0XxufQDIr9jntx\n"
                "VYszzu9Ti5jV1cDnlG8KfnAV1GZhX5WgY+1/QDnxq/A/JNW7H0YMkx9BZcQQ75JP\n"
                "fUU/HYX3GFrAx8YiW46E+SspGkBUFz4Qr2xKIch9akf+GbXlDPIy3L26Au05/dcf\n"
                "ZlDLIa3RsDUrby/m9EHK8P5uVVQG/KIUgnqr1Go/psMWztO2F+BCjau5pKg0a9k6\n"
                "kQFp0oETPKlYxo8Qsrq1iju7HuEPtHKn+UcpKddDjTGW6aAQS5qVVsqPFv2lCPBK\n"
                "71037VrjaJ0XV+jqqN9SUCEEZSFvPmIzv0UdOEd29igJSlXYH+RGTn/RMZ+iIB7C\n"
                "CAhIQy+tFw9VRFWyCGeOrFg+8fBsosmOffQ80rkOGts4SpTkEI038djuwYMEbu9O\n"
                "p6Pntk58dwIDAQABo4GpMIGmMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQD\n"
                "AgEGMEMGA1UdIAQ8MDowOAYEVR0gADAwMC4GCCsGAQUFBwIBFiJodHRwOi8vaWdj\n"
                "LXNhbnRlLmVzYW50ZS5nb3V2LmZyL1BDMB0GA1UdDgQWBBSMb+rVi4L6+b6H3HMO\n"
                "JxUHR8SeLzAfBgNVHSMEGDAWgBSMb+rVi4L6+b6H3HMOJxUHR8SeLzANBgkqhkiG\n"
                "9w0BAQsFAAOCAgEALPVMH5yLBZgbwYXbkLdmkB44GzANJ39ibwmhWqlbOfZZmpQh\n"
                "NC71ftzfluSTUTb4QF/zAPylpRRmzJRtmUdOlYZToE3gWtxnNOcbLFtGDp0uvGYb\n"
                "+FqrzghOICWgM3JWstPNGW681fQgmWH6OJQs5eWIZpkpl/wSWhbq0GuPXZXnYDGi\n"
                "I4wtxHgwbKE7rokqHO/HPK/GJ5yn7oWBp2cy96hYIw9O9NUKzhZYD+EXXrmdrX1W\n"
                "LjxhAICs1CIaFuIuXLnaSrV52kWUcmDJ3+oRqbRIXTB1nBcUL1jDV2cugLCJV+GQ\n"
                "wb16yAAHz8B2lH4H6j6RTWr9wIuQZcSw9E/YqY8vRnSws0KmRM5mwwU/QAgINdH4\n"
                "iDFyeFJjLEvV0ny7wiP0if+Mzjil3r6oghQ1SOv3AN33nkK5wWtOVksIQhBaTSMq\n"
                "xxiwSfb2/QX6S8hZ3k85bMsWPDGE3MHlZjDUB4EhxaRASyGFR1/3mqzPX5sJaCAL\n"
                "2iF3qDDs2WGmwoBBHySFdsEEPBZm5OelN5uTgZ7ub7LM/s1BTU1RFQsO4CEYL/op\n"
                "zss8O6vlDwDNCyt/09yS2RvQZV+E7/5cCi0gumwnhKE0uRjLs36jm055En2LQX95\n"
                "fE/rZpnSMWBDwCpNvgXLoejYigfVJPFzSPen5mo1uPPwMkEwXggooIu5diM=\n"
                "-----END CERTIFICATE-----\n"
            ),
        },
        "aci": {
            "name": "ACI-EL-ORG",
            "file": "ACI-EL-ORG.cer",
            "subject": "CN=AC IGC-SANTE ELEMENTAIRE ORGANISATIONS,OU=IGC-SANTE,OU=0002 187512751,O=ASIP-SANTE,C=FR",
            "sha256": "D8:34:EE:5B:40:68:6B:73:57:3F:60:54:7B:F6:05:2C:6D:40:4D:94:2A:56:65:CD:B2:C0:B9:13:7B:5D:27:B2",
            "pem": (
                "-----BEGIN CERTIFICATE-----\n"
                "MIIHPDCCBSSgAwIBAgISESBlOmv0rqXMPTj6BWIj9azxMA0GCSqGSIb3DQEBCwUA\n"
                "MHkxCzAJBgNVBAYTAkZSMRMwEQYDVQQKDApBU0lQLVNBTlRFMRcwFQYDVQQLDA4w\n"
                "MDAyIDE4NzUxMjc1MTESMBAGA1UECwwJSUdDLVNBTlRFMSgwJgYDVQQDDB9BQyBS\n"
                "QUNJTkUgSUdDLVNBTlRFIEVMRU1FTlRBSVJFMB4XDTEzMDYyNTAwMDAwMFoXDTMz\n"
                "MDYyNDAwMDAwMFowgYAxCzAJBgNVBAYTAkZSMRMwEQYDVQQKDApBU0lQLVNBTlRF\n"
                "MRcwFQYDVQQLDA4wMDAyIDE4NzUxMjc1MTESMBAGA1UECwwJSUdDLVNBTlRFMS8w\n"
                "LQYDVQQDDCZBQyBJR0MtU0FOVEUgRUxFTUVOVEFJUkUgT1JHQU5JU0FUSU9OUzCC\n"
                "AiIwDQYJKoZIhvcNAQEBBQADggIPADCCAgoCggIBAKuma07Nw0krbXtveIwQLDPG\n"
                "M7KnaEJRW4rsxqXRc45gTCjZCfyxMo7mb88jtE6OrBORkMOhIWVxiR7Xplf6gqMh\n"
                "LL+OCb1R0wjBcOEwyrEB2rVTKebUvKFsEEOZsLttzIMYYNV+2aPgEj9s+TiOkS+L\n"
                "SgYgz/Pj6z/i1gi3skGD7wEUq9/j4h54xmTjt1gO8fenejsCUH5ZJjrzQa/TtYKG\n"
                "IV87y9AdQZOofEz4Y8AwNU0oMpmmW4pucAu1A/jmgZ7ZAUr87+jBwJqSWzkkkWUh\n"
                "3yR0VTqJigJafg0V+/O+kw7OaZWApK9cgyKG7n4VVs3c2JLHgBA4L2r4HJyAnGn9\n"
                "Wi1d+0PTXOJuO7Lc7QsR3XjHLj90YkKs9p08F5/GFQlYqpoQaI2gj6AycWsBgJWv\n"
                "2FLiLUnUaiZkiX/wgssVDbBfuOktDEf+hcVgTjmNEXxAhLARpF2XxVRrJTWwFNvg\n"
                "9i+qxAboPt2c7BzdhuyoOWhm3JtmTa87Xjo8DpnUV3yAGSguO1g62dMWcAJEEswL\n"
                "37XzWo0K/lwjeGTYrbgKR8UnyYVg7RD2rHdkWpofxhIA8fil3kozlgSOeqBWuzwd\n"
                "Dk9rKesGPFYPVY1W1dvvtGt/50ggSzfV/e2wlMSFXU0uY1QOP6H5GNMtvk8pnnwr\n"
                "6JCwmMjrqlBU6uZ7JJXNAgMBAAGjggG0MIIBsDASBgNVHRMBAf8ECDAGAQH/AgEA\n"
                "MA4GA1UdDwEB/wQEAwIBBjBDBgNVHSAEPDA6MDgGBFUdIAAwMDAuBggrBgEFBQcC\n"
                "ARYiaHR0cDovL2lnYy1zYW50ZS5lc2FudGUuZ291di5mci9QQzCCAQMGA1UdHwSB\n"
                "+zCB+DA0oDKgMIYuaHR0cDovL2lnYy1zYW50ZS5lc2FudGUuZ291di5mci9DUkwv\n"
                "QUNSLUVMLmNybDCBv6CBvKCBuYaBtmxkYXA6Ly9hbm51YWlyZS1pZ2MuZXNhbnRl\n"
                "LmdvdXYuZnIvQ049QUMlMjBSQUNJTkUlMjBJR0MtU0FOVEUlMjBFTEVNRU5UQUlS\n"
                "RSxPVT1JR0MtU0FOVEUsT1U9MDAwMiUyMDE4NzUxMjc1MSxPPUFTSVAtU0FOVEUs\n"
                "Qz1GUj9jZXJ0aWZpY2F0ZXJldm9jYXRpb25saXN0O2JpbmFyeT9iYXNlP29iamVj\n"
                "dGNsYXNzPXBraUNhMB0GA1UdDgQWBBTX+/rc1QJ/58FThk1L6KRKHgu7YzAfBgNV\n"
                "HSMEGDAWgBSMb+rVi4L6+b6H3HMOJxUHR8SeLzANBgkqhkiG9w0BAQsFAAOCAgEA\n"
                "IDLRXaIA/qcy9LlQBDc2lqul0V9Zga2XWmC0R71JcWUKZn++sk42UJD18TxctJxQ\n"
                "t+03HOeBhpH6GdWUtOPW+kVDt+C9dWjFq0E4W/B0QD35iUNIu3nCE3Ke6NNitJ5+\n"
                "q5a4wODaH9w2bA/8TO3kbxx98W9BCX+oXI7WN8/LpHxce6JdAd18PKZST9glk/ms\n"
                "o0jtWOKw/jLL2S6AnZfYIJ+ZhpAJ5AxdkexWhTTnOekLwTcr3EVSQ9J7e7mzJ6iD\n"
                "4AvtEdTCM6sJcL7QBvmIC4K/V9a7E47LoXsIDAWQgfWlt3SiOQG/19djzZod7z9B\n"
                "ya37bji1VKzdOMYH1M1HlXW8Z4S0DwqjqQsSYeKejUwgLv+laKpsm5wvJOa6PLHn\n"
                "LMzSD4KvyuOpiKXCS5pmAVdwOmVB+41C9lrp5uq2IV7hpOH6m/674+D4WXPB+ITd\n"
                "2mqrRfwdzr5xjFfSOuMRZJwPJ+3LBtThCeDoZ/dyFwH6ichBi2+qPs38t8bw+j+W\n"
                "0jzA9ulGsuSP5aTPwRKiodLXeVAPR9UtMGoUv3hXCWMqBGxxhb2e+k3qL+c5/S3F\n"
                "a7pcoiK+h9hT0e5RPhWttgtVoOKJ0TWWK7JahaPRlI4IX/YxURsz3tsJnEi/i0gG\n"
                "a0OcI0DJWSyIc6wGQYaIZCatZQZhTj+OsMrWP0vZJmI=\n"
                "-----END CERTIFICATE-----\n"
            ),
        },
    },
    "test": {
        "acr": {
            "name": "ACR-EL-TEST",
            "file": "ACR-EL-TEST.cer",
            "subject": "CN=TEST AC RACINE IGC-SANTE ELEMENTAIRE,OU=IGC-SANTE TEST,OU=0002 187512751,O=ASIP-SANTE,C=FR",
            "sha256": "01:32:5A:EB:19:38:71:EE:C9:0F:A8:95:56:80:4E:41:85:CB:36:2E:0C:A8:7A:3D:79:93:9C:71:18:6D:A8:05",
            "pem": (
                "-----BEGIN CERTIFICATE-----\n"
                "MIIGRTCCBC2gAwIBAgISESBtCqDJmMxAXgol2Zn0jjoeMA0GCSqGSIb3DQEBCwUA\n"
                "MIGDMQswCQYDVQQGEwJGUjETMBEGA1UECgwKQVNJUC1TQU5URTEXMBUGA1UECwwO\n"
                "MDAwMiAxODc1MTI3NTExFzAVBgNVBAsMDklHQy1TQU5URSBURVNUMS0wKwYDVQQD\n"
                "DCRURVNUIEFDIFJBQ0lORSBJR0MtU0FOVEUgRUxFTUVOVEFJUkUwHhcNMTMwNjI1\n"
                "MDAwMDAwWhcNMzMwNjI1MDAwMDAwWjCBgzELMAkGA1UEBhMCRlIxEzARBgNVBAoM\n"
                "CkFTSVAtU0FOVEUxFzAVBgNVBAsMDjAwMDIgMTg3NTEyNzUxMRcwFQYDVQQLDA5J\n"
                "R0MtU0FOVEUgVEVTVDEtMCsGA1UEAwwkVEVTVCBBQyBSQUNJTkUgSUdDLVNBTlRF\n"
                "IEVMRU1FTlRBSVJFMIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAwU6N\n"
                "ypynVyIRdeL+Zs7+pjtTC8eOOxRv0T1SaiaDSCoRRfzLpjqu2bDCE3puu2H6AA8j\n"
                "Tlnm8gR6DGgkd1jnfwvJjSbzRV+GWsewO7aJODo7OsfIMpYVHiNabDRgW88V36fv\n"
                "ULjLMyy6MUwaLpwfSGj5hNEw9GDZgK5+t8rFWxRpLE5uY3DTXi6d17tMDa0+HbNa\n"
                "p1wYW84aeNas8JYG38oWPLmw9y6DJQUMFGADQOIfSINcNzH73Pe6DQqfqQLUC2yJ\n"
                "/eKpva/UAp40GaAy6AON/EjIHrG91Q4u0tHsx3T0jGBLxMfFezko9wqrM3DE6c4X\n"
                "TkFEcVcQNqK+X8tQ0jpOUWRQ/XiTKSlM8LkDX7iuIKB/xFfBHM29ladh8LpXep7R\n"
                "qusSkyEUAcHRmFEgSXjfP6hU62ZIqO9SEEmM8nX1wwykzg1ONMjSn1Qlr/xQxkD9\n"
                "5zOXBf1OOWJYEdfWqIwe5l6VM1QjzDiuZc7f4bk/vN7erJvA2oDDBwgoZCTRi8W+\n"
                "92bIta+ObCTN/e/MAJXx0WdQ/t3Xx0jYMn823jPkE+wcv8o9XqURH0pogqoPfBJl\n"
                "uuAc5Dr9zn5fcdhXkCl+64vSWMSfSQEqLMMn/lx3RdHISP1jufd1qpCNiJhOIA2+\n"
                "1ijUcx26WK5pmCml96YkO58uIKPC4zbjmGVJ7LMCAwEAAaOBsDCBrTAPBgNVHRMB\n"
                "Af8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjBKBgNVHSAEQzBBMD8GBFUdIAAwNzA1\n"
                "BggrBgEFBQcCARYpaHR0cDovL2lnYy1zYW50ZS5lc2FudGUuZ291di5mci9QQyUy\n"
                "MFRFU1QwHQYDVR0OBBYEFJythrumqsrFYToEsEf93DvNPVf0MB8GA1UdIwQYMBaA\n"
                "FJythrumqsrFYToEsEf93DvNPVf0MA0GCSqGSIb3DQEBCwUAA4ICAQB9bCr6ll8G\n"
                "sc/gjcaZXxozppl5yXns4WO8qdbL9tSpODh4EKQwX2vLjnj8iQmuV6AxfGmT4DMw\n"
                "QLKqcx/o1MpTq9MgzIMcJs2tMgyV2488FueTwt1L55SbS12Gl05ZPoFODz1VVBl0\n"
                "IqMel/Z9lNoPP4dEx0bWRvVTQGXx9PobyrMJIaJ3zXqK5rQFXTrgFZKlhnEWCfK3\n"
                "qucbOzvLruM6dXtwxRCy5aa7PF8uJYG0FR57sPQ357vDyGBbOOhTvbK6nSueQRDH\n"
                "ylmYpiqEoVPQcQUrSnZ2DYZUV/AjkZXsYWr83mhoxKmaARSsC/0tLs0UKvmeudCk\n"
                "ikETobOJpI5gXc7egKv2Dt6t3u84QxP19zgKrmJEN53Z8WPE9ZVfNBcUvlQVSc9U\n"
                "Ej0o6tuPCptEImtTBz5ZYo7/39OR83BNCkC0LAUWte0CxCoN91epCYAl4n0I57GL\n"
                "v2NXOh6ctetaU3Ige22hb51pRdMhsE/Uc9ILU6NM64pEp5C8zZg0ooraGf9f6YSM\n"
                "9LKK5q9csc2i2H8C82BvdCiqSDfVjP7ytKt7RWmLsnRbJX8FchIMf1YRczre7qAZ\n"
                "8Z0j3KPbVwMmqmbecUTvvlMevB/LvrIDs3mlR1YzQX6U5Y4N8iDzgH60nQhkzGKO\n"
                "DN9RZNEOtLU6ghGbyqNKqUiZxxbz3L3Afw==\n"
                "-----END CERTIFICATE-----\n"
            ),
        },
        "aci": {
            "name": "ACI-EL-ORG-TEST",
            "file": "ACI-EL-ORG-TEST.cer",
            "subject": "CN=TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS,OU=IGC-SANTE TEST,OU=0002 187512751,O=ASIP-SANTE,C=FR",
            "sha256": "DC:52:8E:37:88:69:1B:3F:79:50:16:40:76:F9:5B:02:C6:43:34:C6:86:62:BD:ED:E5:75:0B:4E:0E:53:38:F6",
            "pem": (
                "-----BEGIN CERTIFICATE-----\n"
                "MIIHbTCCBVWgAwIBAgISESBh88boT8LvsYv1JY4d607GMA0GCSqGSIb3DQEBCwUA\n"
                "MIGDMQswCQYDVQQGEwJGUjETMBEGA1UECgwKQVNJUC1TQU5URTEXMBUGA1UECwwO\n"
                "MDAwMiAxODc1MTI3NTExFzAVBgNVBAsMDklHQy1TQU5URSBURVNUMS0wKwYDVQQD\n"
                "DCRURVNUIEFDIFJBQ0lORSBJR0MtU0FOVEUgRUxFTUVOVEFJUkUwHhcNMTMwNjI1\n"
                "MDAwMDAwWhcNMzMwNjI0MDAwMDAwWjCBijELMAkGA1UEBhMCRlIxEzARBgNVBAoM\n"
                "CkFTSVAtU0FOVEUxFzAVBgNVBAsMDjAwMDIgMTg3NTEyNzUxMRcwFQYDVQQLDA5J\n"
                "R0MtU0FOVEUgVEVTVDE0MDIGA1UEAwwrVEVTVCBBQyBJR0MtU0FOVEUgRUxFTUVO\n"
                "VEFJUkUgT1JHQU5JU0FUSU9OUzCCAiIwDQYJKoZIhvcNAQEBBQADggIPADCCAgoC\n"
                "ggIBALZZTYHK6xRjpeJ4TT+TTPwgonHxmHcAA4yIN7XwsgcrOc7VK79mBfOUL2ht\n"
                "6Nq+3bLz2a2IzfPWHFJKotBUJCJ1KJR4CHQ+dw/Zo0XjmZntxziAYJfiYMujr1ff\n"
                "/cheR+YEZYU9LlLwVIxSDDGJ9EXfvPX7t7fCizJ798pSGsLomgS428Vz3AjY2JDr\n"
                "fLXo65Mp7hcLf+/KpHELBb0BK1ucgnUa97IeOPdT6O5/aK41ee9klBfXbqiMqdJf\n"
                "9vv6r4qAMbs6wCxQwLGRpw479ITh8og7M5Y66vwadqjHse7BfSxPWnbaN6V/R/gt\n"
                "CbR7qbnDFezSACrAr1JUM+rAhiz5LhmmvmB8Ess8msd2zcEkC5GFxceWaqF8+/Yx\n"
                "aAbnrDixLX+slhwOU4kpLLu/5/fsmESgnk0X42xH1VSy06fH90P2FWSc78Aax/z7\n"
                "//hmSQmystG7LAaZayl3bl/du9zcz6CfOulm9HXRYQ6ATPmNXmnsH5Mz3Hm2j347\n"
                "bpunaL6FzG73C1U0xczfb2LOGV8UzvMzrg6cBLsYKAthdDyajOJ0DCPFquNKCHBE\n"
                "2VS1YklIdHeN8Cfp+QbBw63MJA7HFNQQHeHhk6soA3V9xnwcwOPVgw8gWJI7betK\n"
                "ptGck73YcQoTGgrQvANJukG/Xgzl4TesjpcO6lGSpQO2168pAgMBAAGjggHQMIIB\n"
                "zDASBgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjBKBgNVHSAEQzBB\n"
                "MD8GBFUdIAAwNzA1BggrBgEFBQcCARYpaHR0cDovL2lnYy1zYW50ZS5lc2FudGUu\n"
                "Z291di5mci9QQyUyMFRFU1QwggEYBgNVHR8EggEPMIIBCzA5oDegNYYzaHR0cDov\n"
                "L2lnYy1zYW50ZS5lc2FudGUuZ291di5mci9DUkwvQUNSLUVMLVRFU1QuY3JsMIHN\n"
                "oIHKoIHHhoHEbGRhcDovL2FubnVhaXJlLWlnYy5lc2FudGUuZ291di5mci9DTj1U\n"
                "RVNUJTIwQUMlMjBSQUNJTkUlMjBJR0MtU0FOVEUlMjBFTEVNRU5UQUlSRSxPVT1J\n"
                "R0MtU0FOVEUlMjBURVNULE9VPTAwMDIlMjAxODc1MTI3NTEsTz1BU0lQLVNBTlRF\n"
                "LEM9RlI/Y2VydGlmaWNhdGVyZXZvY2F0aW9ubGlzdDtiaW5hcnk/YmFzZT9vYmpl\n"
                "Y3RjbGFzcz1wa2lDYTAdBgNVHQ4EFgQUIS6EfTse9RLeUaIhXK6TqO9b4/UwHwYD\n"
                "VR0jBBgwFoAUnK2Gu6aqysVhOgSwR/3cO809V/QwDQYJKoZIhvcNAQELBQADggIB\n"
                "AKUzA2KWGgMF336BPeEUrqR1APyZVkuC0fz9liGFNxmo5jfxu1z+EMim1PGOY9VB\n"
                "eFAFh37jVhYALsp+p3J/FUPrhzGuP86O1+T23VHcygjZrY68oa3JF02+9Po1c34G\n"
                "9/dUtOQzMobVK9l/EwtmQziQMC9DvADjGBYDsfYOQA+jlPXYgmYyU2hre78jo0Ag\n"
                "mcwnun2YVUuEAWmKHPhXd1OjGpohqL55LOk3r9yve2jXaB64mx4zP6ZoBNhjRO0F\n"
                "S1yAguZ78VtXGEPWXgUZJqXejJH/r+61MugWC4N+ho+0Pn7g2IwFG6Tljw6ZiHSS\n"
                "4FftP4wkEk2LtCs0yiSyoKk/DGUGMj8Rb6WA5jRkNN2p4C5lneOYEiJ8khtBfMTd\n"
                "SImxAG3LuwLj4C19L76FumVFPV/HicsCM9jPBHaFEM6Xy2kt7zZdYAcSQ4rvIQLd\n"
                "7MPKTAKeVPYyIRi3PH42CTsUEr0PMLsSyTMwUxrxSwyZ1oVMvTtFvAIe2FJe99wr\n"
                "BMNUVd5wZCPnNU99z16DchG0jy3M8c01DYDKjtMDjcqz3VTHN4/ES3HkWCZVG7qg\n"
                "UswmKQ9oQy8ede5flgSUa5CJsA78mpLw3VpOUH96qUL9NPt91bq2vAgG4pICb7/J\n"
                "nek4uUOuHjutAGmBCDkZdWU+mKV3W0lhARdMdqq3cyxN\n"
                "-----END CERTIFICATE-----\n"
            ),
        },
    },
}


# ANS's folders of those files (seed, step 4): the order sheet names the ACI's address, the trust role's download
# fetches both from there.
BASE_URLS = {
    "production": "http://igc-sante.esante.gouv.fr/AC/",
    "test": "http://igc-sante.esante.gouv.fr/AC%20TEST/",
}


def anchors(environment):
    """[{role, name, file, subject, sha256, pem}] of an environment (production | test), root first."""
    if environment not in ANCHORS:
        raise ValueError("environment must be production or test, not %r" % (environment,))
    return [dict(ANCHORS[environment][role], role=role) for role in ("acr", "aci")]


def official(environment):
    """{base, acr, aci} of an environment: ANS's folder, and per role {name, file, subject, sha256, url} (no PEM)."""
    found = anchors(environment)
    out = {"base": BASE_URLS[environment]}
    for anchor in found:
        entry = dict((k, anchor[k]) for k in ("name", "file", "subject", "sha256"))
        entry["url"] = BASE_URLS[environment] + anchor["file"]
        out[anchor["role"]] = entry
    return out
