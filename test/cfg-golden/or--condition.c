void f(int a)
{
	if (a || check())
		either();
	after();
}
